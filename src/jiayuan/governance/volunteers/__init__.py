"""Volunteers (志愿服务条例, 2017): real-name registration with a team, service records
(content, hours, evaluation) confirmed by someone other than the recorder, and the
printable record of service (志愿服务记录证明). Records are personal information: scope,
and every read of a volunteer's records audited."""
