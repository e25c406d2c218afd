"""People's mediation (人民调解): a case type on the engine (``mediation_case``) with its
committee, mediators, sessions, agreement, follow-up and police reports here."""
