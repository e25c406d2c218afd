"""The unified evaluation of communities (统一综合考核评比) by their street: items and
weights configured per round, some computed from the platform's own records with the
rows behind each number, some scored by evaluators with comments; totals, ranking with
ties, publication and objections."""
