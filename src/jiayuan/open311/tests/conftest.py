from jiayuan.cases.testing import *  # noqa: F401,F403  (shared fixtures of the case apps)
