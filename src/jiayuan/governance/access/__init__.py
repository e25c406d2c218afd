"""Access requests and the burden on communities (厅字〔2022〕28号; the 2024 rules on
cutting grassroots burdens): pages, to-do and the monthly tally with its trend over the
requests the service center records (``servicecenter.models.CommunityTask`` checked
against ``AccessListItem``). No second model: a department's request *is* a community
task, accepted on the list, refused on the negative list, waiting for the street off it.
"""
