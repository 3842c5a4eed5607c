"""The shipped Seoul profile's declared domains and indicators, for tests that
name them (the eight every profile starts from)."""

from city.profile import load_profile
from tests.conftest import PROJECT_ROOT

SEOUL = load_profile(PROJECT_ROOT / "cities" / "seoul.toml")
KPIS = SEOUL.indicators
KPIS_BY_ID = SEOUL.indicators_by_id
DOMAINS = SEOUL.domains
DOMAINS_BY_ID = SEOUL.domains_by_id
