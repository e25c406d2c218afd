"""Pure rules of compacts and bodies. No Django, no I/O.

- 城市居民委员会组织法 art. 15: the residents' compact (居民公约) is discussed and
  adopted by the residents' meeting (居民会议), reported to the street for filing.
- 村民委员会组织法 art. 27: village rules (村规民约) are adopted by the villagers' meeting
  (村民会议; the villagers' representatives' meeting when authorised, art. 26) and
  reported to the township government for filing (备案).
"""

from datetime import date

from jiayuan.people.rules import N_, RuleError

MEETINGS = {
    "residents": {"residents_meeting": N_("居民会议"), "residents_representatives": N_("居民代表会议")},
    "villagers": {"villagers_meeting": N_("村民会议"), "villagers_representatives": N_("村民代表会议")},
}
ALL_MEETINGS = {k: v for table in MEETINGS.values() for k, v in table.items()}


def check_version(kind: str, *, text: str, adopted_by: str, adopted_on: date | None, today: date,
                  previous_adopted_on: date | None) -> list[RuleError]:
    """Every error of a new version: its text; a meeting that may adopt this kind of
    compact; its date, not in the future and not before the previous version's."""
    errors: list[RuleError] = []
    if not (text or "").strip():
        errors.append(RuleError("compact.text_required", N_("请填写公约全文"), field="text"))
    if adopted_by not in MEETINGS.get(kind, {}):
        errors.append(RuleError("compact.meeting", N_("请选择通过该公约的会议（居民公约由居民会议、村规民约由村民会议讨论通过）"),
                                field="adopted_by"))
    if adopted_on is None:
        errors.append(RuleError("compact.adopted_on_required", N_("请填写通过日期"), field="adopted_on"))
    elif adopted_on > today:
        errors.append(RuleError("compact.adopted_on_future", N_("通过日期不能晚于今天"), field="adopted_on"))
    elif previous_adopted_on and adopted_on < previous_adopted_on:
        errors.append(RuleError("compact.adopted_on_order", N_("通过日期不能早于上一版本（%(date)s）"),
                                {"date": previous_adopted_on.isoformat()}, field="adopted_on"))
    return errors


def coverage(units: int, covered: int) -> str:
    """Coverage as a percentage with one decimal (``"66.7"``), ``"—"`` without units."""
    if units == 0:
        return "—"
    return f"{covered * 100 / units:.1f}"


# --- the residents' and villagers' committees themselves: terms and elections ----------------

# The seeded kinds' names and bases (migration 0002), here so that they are translated.
KIND_NAMES = (N_("居民委员会"), N_("村民委员会"), N_("人民调解委员会"), N_("治安保卫委员会"), N_("红白理事会"),
              N_("城市居民委员会组织法第七条"), N_("村民委员会组织法第六条"), N_("人民调解法第八条"),
              N_("治安保卫委员会暂行条例"), N_("移风易俗，村规民约"))

# The shipped kinds (code, name, min, max, basis, order): seeded by migration 0002 (a
# frozen copy) and loaded again by :func:`..bodies.services.load_body_kinds` (the demo).
SHIPPED_KINDS = (
    ("residents_committee", "居民委员会", 5, 9, "城市居民委员会组织法第七条", 0),
    ("villagers_committee", "村民委员会", 3, 7, "村民委员会组织法第六条", 1),
    ("mediation", "人民调解委员会", 3, 9, "人民调解法第八条", 2),
    ("public_security", "治安保卫委员会", 0, 0, "治安保卫委员会暂行条例", 3),
    ("weddings_funerals", "红白理事会", 0, 0, "移风易俗，村规民约", 4),
)

COMMITTEE_KINDS = ("residents_committee", "villagers_committee")

# 城市居民委员会组织法 art. 8 and 村民委员会组织法 art. 11 (both as amended 2018-12-29):
# a committee's term is five years.
TERM_YEARS = 5

# How the committee is elected. Residents (居委会组织法 art. 8): by every resident with
# the right to vote, by one representative per household, or by two or three
# representatives of each residents' group. Villagers (村委会组织法 art. 11): directly.
ELECTION_METHODS = {
    "residents_committee": {"direct": N_("全体有选举权的居民直接选举"), "household": N_("每户派代表选举"),
                            "group_representatives": N_("居民小组选举代表选举")},
    "villagers_committee": {"direct": N_("村民直接选举")},
}
ALL_ELECTION_METHODS = {k: v for table in ELECTION_METHODS.values() for k, v in table.items()}


def term_end(held_on: date) -> date:
    """The last day of a term begun on ``held_on``: the day before the same date
    :data:`TERM_YEARS` years later (a term begun on 29 February ends on 28 February)."""
    from datetime import timedelta

    try:
        same = held_on.replace(year=held_on.year + TERM_YEARS)
    except ValueError:  # 29 February into a common year
        same = held_on.replace(year=held_on.year + TERM_YEARS, day=28) + timedelta(days=1)
    return same - timedelta(days=1)


def check_election(kind: str, *, min_members: int, max_members: int, method: str, eligible: int | None,
                   cast: int | None, elected: list[tuple[str, str, int]], held_on: date | None,
                   today: date) -> list[RuleError]:
    """Every error of an election of the residents' or villagers' committee.

    ``elected``: ``[(name, role, votes)]`` with role ``chair``/``vice_chair``/``member``.
    村民委员会组织法 art. 15: the election is valid when more than half of the registered
    voters vote (``2 × cast > eligible``), and a candidate is elected with more than half
    of the votes cast (``2 × votes > cast``). The provinces' rules for residents'
    committees use the same two majorities (**check** against 甘肃省's 实施办法). The
    committee has ``min_members``–``max_members`` members (the kind's bounds) and one chair.
    """
    errors: list[RuleError] = []
    if kind not in ELECTION_METHODS:
        return [RuleError("election.kind", N_("只有居民委员会、村民委员会由选举产生"), field="method")]
    if method not in ELECTION_METHODS[kind]:
        errors.append(RuleError("election.method", N_("请选择法定的选举方式"), field="method"))
    if held_on is None:
        errors.append(RuleError("election.held_on_required", N_("请填写选举日期"), field="held_on"))
    elif held_on > today:
        errors.append(RuleError("election.held_on_future", N_("选举日期不能晚于今天"), field="held_on"))
    if not eligible or eligible < 1:
        errors.append(RuleError("election.eligible", N_("请填写登记参加选举的人数"), field="eligible"))
        return errors
    if cast is None or cast < 0 or cast > eligible:
        errors.append(RuleError("election.cast", N_("投票人数须在 0 至登记人数之间"), field="cast"))
        return errors
    if 2 * cast <= eligible:
        errors.append(RuleError("election.turnout", N_("投票人数 %(cast)s 未过登记人数 %(eligible)s 的半数，选举无效"),
                                {"cast": cast, "eligible": eligible}, field="cast"))
    n = len(elected)
    if n < min_members or (max_members and n > max_members):
        errors.append(RuleError("election.size", N_("委员会由 %(lo)s 至 %(hi)s 人组成，本次当选 %(n)s 人"),
                                {"lo": min_members, "hi": max_members, "n": n}, field="members"))
    if sum(1 for _, role, _ in elected if role == "chair") != 1:
        errors.append(RuleError("election.chair", N_("须选出一名主任"), field="members"))
    for name, _, votes in elected:
        if 2 * votes <= cast:
            errors.append(RuleError("election.majority", N_("%(name)s 得票 %(votes)s 未过投票人数的半数，不能当选"),
                                    {"name": name, "votes": votes}, field="members"))
    return errors


def parse_elected(text: str) -> tuple[list[tuple[str, str, int]], list[RuleError]]:
    """Lines ``姓名,职务,得票`` (职务 主任/副主任/委员, or chair/vice_chair/member;
    commas Chinese or ASCII) → ``[(name, role, votes)]`` and the errors of bad lines."""
    roles = {"主任": "chair", "副主任": "vice_chair", "委员": "member",
             "chair": "chair", "vice_chair": "vice_chair", "member": "member"}
    out, errors = [], []
    for i, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) != 3 or not parts[0] or parts[1] not in roles or not parts[2].isdigit():
            errors.append(RuleError("election.line", N_("第 %(n)s 行应为“姓名,职务,得票”"), {"n": i}, field="members"))
            continue
        out.append((parts[0][:50], roles[parts[1]], int(parts[2])))
    return out, errors
