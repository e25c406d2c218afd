"""Enrollments (待遇): enroll, review, suspend, resume, terminate, and the flags the
registry raises (death, moving out). Interface fixed for the applications module:

    enroll(actor, *, program, person, household=None, region, start_month, inputs,
           application=None, review_months=12, payee_account="", reason="") -> Enrollment
"""
