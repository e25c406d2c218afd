"""Scoped reads of the facilities module: facilities and coverage (:mod:`.facilities`),
work funds (:mod:`.funds`)."""

from .facilities import (CoverageReport, CoverageRow, coverage_report, covered_units, units_of, also_serves_of, neighbours_of, facilities_for, functions_of, get_facility,
                         get_region, home_region, rooms_area, search_facilities, unit_facts)
from .funds import (STANDING_LABELS, FundRow, FundSummary, below_standard, fund_row, fund_summary, funds_for, funds_for_region, get_fund, standard_for,
                    standards_for, totals_by_category)

__all__ = ["CoverageReport", "CoverageRow", "coverage_report", "covered_units", "units_of", "also_serves_of", "neighbours_of", "facilities_for", "functions_of", "get_facility",
           "get_region", "home_region", "rooms_area", "search_facilities", "unit_facts",
           "STANDING_LABELS", "FundRow", "FundSummary", "fund_row", "below_standard", "fund_summary", "funds_for", "funds_for_region", "get_fund", "standard_for",
           "standards_for", "totals_by_category"]
