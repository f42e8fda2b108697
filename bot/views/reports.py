"""Reports, the button form, and tracked problems."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.render import (
    chunk_lines,
    esc,
    plain_text,
    quote,
    spacer,
)
from bot.views.labels import day_label, kg_label, shift_label
from storage import reports
from storage.models import Duty, Problem, Report, ReportDraft, Shift

FIELD_LABELS = {
    "problems": N_("problems"),
    "dissuaded": N_("dissuaded"),
    "kg": N_("kg of litter"),
    "served": N_("residents served"),
}


def report_usage(t: Translator) -> str:
    """How /report is used."""
    return t.gettext(
        "Report what you found: /report problems=2 dissuaded=5 kg=3 served=10 text, or in "
        "Chinese 劝导3次 问题2个 捡了3斤 服务10人 (3斤 is 1.5 kg, 2斤半 is 1.25 kg). Send "
        "/report alone for buttons, or put /report in a photo's caption."
    )


def report_syntax_problem(t: Translator, problem: str, key: str, value: str) -> str:
    """Why the report was refused (nothing stored); `problem` is a ReportProblem's value."""
    match problem:
        case "unknown_key":
            text = t.gettext("I don't know “{key}”. I count: problems, dissuaded, kg, served.")
        case "not_a_number":
            text = t.gettext(
                "“{key}” needs a whole number (kg may have up to 3 decimals), not “{value}”."
            )
        case "negative":
            text = t.gettext("“{key}” cannot be negative ({value}).")
        case _:
            text = t.gettext("“{key}” appears twice: give each number once.")
    return (
        text.format(key=quote(key), value=quote(value))
        + "\n" + t.gettext("Nothing was stored.") + "\n" + report_usage(t)
    )


def report_refused(t: Translator, refused: reports.OutOfRange | reports.TextTooLong) -> str:
    """A report above the limits (nothing stored)."""
    match refused:
        case reports.OutOfRange("kg", limit):
            text = t.gettext(
                "More than {limit} kg in one report looks like a typo. Please check the number."
            ).format(limit=limit)
        case reports.OutOfRange(field, limit):
            text = t.gettext(
                "{field} above {limit} looks like a typo. Please check the number."
            ).format(field=t.gettext(FIELD_LABELS.get(field, field)), limit=limit)
        case reports.TextTooLong(length, limit):
            text = t.gettext(
                "The text is {length} characters; a report holds at most {limit}. Please "
                "shorten it."
            ).format(length=length, limit=limit)
    return text + "\n" + t.gettext("Nothing was stored.")


def numbers_line(
    t: Translator, numbers: reports.Numbers | reports.ReportTotals,
    tracked: reports.TrackedProblems | None = None,
) -> str:
    """`发现问题 2 · 劝导 5 次 · 分拣 3 公斤 · 服务居民 10 人次`; with the tracked problems
    (`/problem`) of the period named apart from the numbers typed into reports."""
    problems = str(numbers.problems)
    if tracked is not None and tracked.raised:
        problems += t.gettext(" (of which {raised} tracked, {resolved} resolved)").format(
            raised=tracked.raised, resolved=tracked.resolved
        )
    return t.gettext(
        "problems {problems} · dissuaded {dissuaded} · litter {kg} · served {served}"
    ).format(problems=problems, dissuaded=numbers.dissuaded,
             kg=kg_label(t, numbers.grams), served=numbers.served)


def report_filed(
    t: Translator, name: str, report: Report, photos: int, duty: Duty | None,
    shift: Shift | None, zone: str,
) -> str:
    """The answer to a stored report."""
    numbers = reports.Numbers(report.problems, report.dissuaded, report.grams, report.served)
    where = (
        shift_label(t, shift, duty, zone) if shift is not None
        else t.gettext("outside a shift")
    )
    text = t.gettext("📝 Report from {name} ({where}): {numbers}.").format(
        name=esc(name), where=where, numbers=numbers_line(t, numbers)
    )
    if photos:
        text += spacer(t) + t.ngettext("{n} photo.", "{n} photos.", photos).format(n=photos)
    return text


def report_already(t: Translator) -> str:
    """A redelivered message."""
    return t.gettext("This report is already stored.")


def form_text(t: Translator, name: str, draft: ReportDraft) -> str:
    """The button form: what it holds so far."""
    numbers = reports.draft_numbers(draft)
    lines = [
        t.gettext("📝 Report of {name}: tap a field, then numbers; Save when done.").format(
            name=esc(name)
        ),
        numbers_line(t, numbers),
        t.gettext("Now setting: {field}").format(
            field=t.gettext(FIELD_LABELS.get(draft.field, draft.field))
        ),
    ]
    if draft.text:
        lines.append(t.gettext("Text: {text}").format(text=esc(draft.text)))
    return "\n".join(lines)

FORM_NUMBERS = (0, 1, 2, 3, 5, 10)


def form_keyboard(t: Translator, draft: ReportDraft) -> InlineKeyboardMarkup:
    """Fields, numbers, ±1, text, save, cancel: buttons only (privacy mode hides typing)."""
    d = draft.id
    fields = [
        InlineKeyboardButton(
            ("▶ " if draft.field == f else "") + t.gettext(FIELD_LABELS[f]),
            callback_data=f"rf:{d}:f:{f}",
        )
        for f in reports.FIELDS
    ]
    numbers = [InlineKeyboardButton(str(n), callback_data=f"rf:{d}:n:{n}") for n in FORM_NUMBERS]
    return InlineKeyboardMarkup([
        fields[:2], fields[2:], numbers,
        [InlineKeyboardButton("−1", callback_data=f"rf:{d}:s:-1"),
         InlineKeyboardButton("+1", callback_data=f"rf:{d}:s:1")],
        [InlineKeyboardButton(t.gettext("✍️ Text"), callback_data=f"rf:{d}:text"),
         InlineKeyboardButton(t.gettext("✅ Save"), callback_data=f"rf:{d}:save"),
         InlineKeyboardButton(t.gettext("✖ Cancel"), callback_data=f"rf:{d}:cancel")],
    ])


def form_not_yours(t: Translator) -> str:
    """Someone else tapped a person's form."""
    return t.gettext("This form belongs to someone else. Send /report for your own.")


def form_closed(t: Translator) -> str:
    """A tap on a saved or cancelled form."""
    return t.gettext("This form is closed. Send /report for a new one.")


def form_cancelled(t: Translator) -> str:
    """The form was cancelled."""
    return t.gettext("Report cancelled; nothing was stored.")


def form_text_prompt(t: Translator, name: str) -> str:
    """The ForceReply prompt for the form's free text."""
    return t.gettext(
        "{name}, reply to this message with what you want to add to the report."
    ).format(name=esc(name))


def form_text_asked(t: Translator) -> str:
    """Toast: where to type the form's text."""
    return t.gettext("Reply to my message below with your text.")


def problem_usage(t: Translator) -> str:
    """How /problem is used."""
    return t.gettext(
        "Describe the problem after the command: /problem the bin at gate 3 is broken (a "
        "photo with this caption works too)."
    )


def problem_filed(t: Translator, name: str, problem: Problem, photos: int) -> str:
    """A problem is tracked."""
    text = t.gettext(
        "📌 Problem #{id} from {name} is recorded: {text}. Leaders close it with /resolve {id}."
    ).format(id=problem.id, name=esc(name), text=esc(problem.text))
    if photos:
        text += spacer(t) + t.ngettext("{n} photo.", "{n} photos.", photos).format(n=photos)
    return text


def problems_list(
    t: Translator, problems: Sequence[Problem], names: dict[int, str], zone: str
) -> list[str]:
    """/problems: the open ones."""
    if not problems:
        return [t.gettext("No open problems. 👍")]
    lines = [t.ngettext("📌 {n} open problem:", "📌 {n} open problems:", len(problems)).format(
        n=len(problems)
    )]
    for p in problems:
        local = p.created_at.astimezone(ZoneInfo(zone))
        lines.append(t.gettext("#{id} {day} {name}: {text}").format(
            id=p.id, day=day_label(t, local.date()), name=esc(names.get(p.person_id, "?")),
            text=esc(p.text),
        ))
    return chunk_lines(lines)


def resolve_usage(t: Translator) -> str:
    """How /resolve is used."""
    return plain_text(
        t,
        "Leaders close a problem with /resolve <number> [note]; /problems lists them.",
    )


def resolve_outcome(t: Translator, result: reports.ResolveResult) -> str:
    """The answer to /resolve in the group."""
    match result:
        case reports.ProblemResolved(problem, _):
            text = t.gettext("✅ Problem #{id} is resolved.").format(id=problem.id)
            if problem.resolution:
                text += spacer(t) + esc(problem.resolution)
            return text
        case reports.ProblemAlreadyResolved(problem):
            return t.gettext("Problem #{id} was already resolved.").format(id=problem.id)
        case _:
            return t.gettext("There is no such problem in this group. /problems lists them.")


def reporter_told(t: Translator, problem: Problem, group: str) -> str:
    """What the reporter hears when their problem is closed."""
    text = t.gettext("✅ The problem you reported in {group} is resolved: #{id} {text}").format(
        group=esc(group), id=problem.id, text=esc(problem.text)
    )
    if problem.resolution:
        text += "\n" + t.gettext("Leader's note: {note}").format(note=esc(problem.resolution))
    return text


def report_numbers_unread(t: Translator) -> str:
    """Above a prefilled form: the typed numbers were not understood, nothing is stored yet."""
    return t.gettext(
        "I could not read the numbers in this report, so nothing is stored yet. Tap them in "
        "below and Save (or just Save to keep only the text)."
    )
