"""Dashboards of a region (issue 16, "Dashboards"): figures per panel for the city, a
county, a township or a community, charted in the browser with ECharts; see
docs/stats.md, "Dashboards"."""
