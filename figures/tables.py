"""The figures as tables: one list that the page, the CSV and the XLSX all print, so the three
always hold the same numbers (ADR 0028). A table may carry the chart drawn from its rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from cases.models import CaseStatus
from figures.charts import BarChart, bar_chart
from figures.selectors import Figures, share

Cell = str | int | float


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    chart: BarChart | None = None
    # Rows whose first cell names the row (a <th scope="row">).
    row_headers: bool = True
    totals: list[Cell] = field(default_factory=list)

    @property
    def labelled_rows(self) -> list[list[tuple[str, Cell]]]:
        """Each cell with its column's name: a phone shows the rows as cards (data-label)."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def labelled_totals(self) -> list[tuple[str, Cell]]:
        return list(zip(self.columns, self.totals, strict=True))


def _days(value: float | None) -> Cell:
    return "—" if value is None else round(value, 1)


def _percent(part: int, whole: int) -> float:
    return part * 100 / whole if whole else 0.0


def _counts_table(
    *,
    key: str,
    title: str,
    column: str,
    counts: list[tuple[str, int]],
    chart_title: str,
    note: str = "",
    total: int | None = None,
) -> Table:
    """A count per label (a status, a rating level), with its bar chart and, if given, its total."""
    return Table(
        key=key,
        title=title,
        columns=[column, "件数"],
        rows=[[label, n] for label, n in counts],
        totals=[] if total is None else ["合计", total],
        note=note,
        chart=bar_chart(
            key=key, title=chart_title, values=[(label, n, str(n)) for label, n in counts], unit="件"
        ),
    )


def figures_tables(figures: Figures) -> list[Table]:
    """Every table of the statistics page, in the page's order."""
    on_time, with_limit = figures.on_time
    rating_lines, rating_total = figures.ratings
    tables = [
        Table(
            key="summary",
            title="主要指标",
            columns=["指标", "数值"],
            rows=[
                ["收件（件）", figures.received],
                ["补正率", share(figures.corrected, figures.received)],
                ["办结（件）", figures.decided],
                ["按期办结率", share(on_time, with_limit)],
                ["不予率（不予受理与不予许可）", share(figures.refused_total, figures.decided)],
                ["当前超期（件）", figures.overdue_total],
                ["满意率", rating_total.satisfied_share],
            ],
            note="收件按到达本部门的时间（补正后为再次提交的时间）计；办结按办结时间计；当前超期为今日情况，与统计期间无关。",
        )
    ]
    months = [f"{line.month:%Y年%m月}" for line in figures.months]
    tables.append(
        Table(
            key="received",
            title="收件与补正（按月）",
            columns=["月份", "收件", "需补正", "补正率"],
            rows=[
                [label, line.received, line.corrected, line.correction_share]
                for label, line in zip(months, figures.months, strict=True)
            ],
            totals=["合计", figures.received, figures.corrected, share(figures.corrected, figures.received)],
            chart=bar_chart(
                key="received",
                title="每月收件",
                values=[
                    (m, line.received, str(line.received))
                    for m, line in zip(months, figures.months, strict=True)
                ],
                unit="件",
            ),
        )
    )
    tables.append(
        Table(
            key="on-time",
            title="办结与按期办结率（按月）",
            columns=["月份", "办结", "受理后办结", "按期办结", "按期办结率"],
            rows=[
                [label, line.decided, line.on_time_total, line.on_time, line.on_time_share]
                for label, line in zip(months, figures.months, strict=True)
            ],
            totals=["合计", figures.decided, with_limit, on_time, share(on_time, with_limit)],
            note="按期办结率：受理后作出许可决定（准予或不予许可）的办件中，在办结期限内办结的比例。",
            chart=bar_chart(
                key="on-time",
                title="每月按期办结率",
                values=[
                    (m, _percent(line.on_time, line.on_time_total), line.on_time_share)
                    for m, line in zip(months, figures.months, strict=True)
                ],
                unit="%",
            ),
        )
    )
    statuses = [s for s in CaseStatus if any(line.by_status.get(s) for line in figures.items)]
    tables.append(
        Table(
            key="items",
            title="按办理项",
            columns=["办理项", "合计", *(s.label for s in statuses)],
            rows=[
                [line.name, line.total, *(line.by_status.get(s, 0) for s in statuses)]
                for line in figures.items
            ],
            note="统计期间收件的办件，按其当前状态。",
            chart=bar_chart(
                key="items",
                title="各办理项收件",
                values=[(line.name, line.total, str(line.total)) for line in figures.items],
                unit="件",
            ),
        )
    )
    tables.append(
        _counts_table(
            key="statuses",
            title="按状态",
            column="状态",
            counts=figures.statuses,
            chart_title="各状态办件",
            note="统计期间收件的办件，按其当前状态。",
        )
    )
    tables.append(
        Table(
            key="steps",
            title="各环节用时（工作日）",
            columns=["环节", "说明", "件数", "平均", "90%分位"],
            rows=[
                [step.name, step.explanation, step.count, _days(step.average), _days(step.p90)]
                for step in figures.steps
            ],
            note="工作日按本系统的节假日表计算，开始当日不计入；统计期间内结束的环节。",
            chart=bar_chart(
                key="steps",
                title="各环节平均用时",
                values=[
                    (step.name, step.average or 0, "—" if step.average is None else f"{step.average:.1f}")
                    for step in figures.steps
                ],
                unit="工作日",
            ),
        )
    )
    tables.append(
        _counts_table(
            key="overdue",
            title=f"当前超期办件（{figures.today:%Y年%m月%d日}）",
            column="所处状态",
            counts=figures.overdue,
            chart_title="当前超期办件",
            total=figures.overdue_total,
        )
    )
    tables.append(
        Table(
            key="refused",
            title="不予受理与不予许可",
            columns=["类型", "件数", "占办结比例"],
            rows=[[label, n, share(n, figures.decided)] for label, n in figures.refused.items()],
            totals=["合计", figures.refused_total, share(figures.refused_total, figures.decided)],
        )
    )
    tables.append(
        Table(
            key="reasons",
            title="不予理由（按出现次数）",
            columns=["理由", "类型", "件数"],
            rows=[[line.reason, line.kind, line.count] for line in figures.reasons],
            note="理由为审批人员填写的原文，相同文字合并计数。",
        )
    )
    tables.append(
        _counts_table(
            key="ratings",
            title="好差评（按评价等级）",
            column="评价等级",
            counts=figures.rating_levels,
            chart_title="各评价等级件数",
            note="申诉成立的差评不计入。",
            total=sum(n for _, n in figures.rating_levels),
        )
    )
    tables.append(
        Table(
            key="satisfaction",
            title="满意率（按事项）",
            columns=["事项", "评价", "满意", "满意率", "整改未办结"],
            rows=[
                [line.name, line.ratings, line.satisfied, line.satisfied_share, line.open_rectifications]
                for line in rating_lines
            ],
            totals=[
                "合计",
                rating_total.ratings,
                rating_total.satisfied,
                rating_total.satisfied_share,
                rating_total.open_rectifications,
            ],
        )
    )
    tables.append(
        Table(
            key="certificates",
            title="电子证照",
            columns=["项目", "数量"],
            rows=[[label, n] for label, n in figures.certificates],
            note=" ".join(figures.notes),
        )
    )
    return tables
