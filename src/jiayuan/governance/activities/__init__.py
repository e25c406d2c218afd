"""Community education activities (道德讲堂, 亲情教育 …) and their participation for any
region and period; volunteers' hours are recorded against an activity
(:mod:`..volunteers`)."""
