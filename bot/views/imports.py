"""Importing a team's volunteer list: how, the row-by-row answer, and linking members."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.documents.roster_file import MAX_FILE, FileProblem
from bot.i18n import N_, Translator
from bot.render import esc, join_names, plain_text
from bot.views.labels import day_label
from storage import imports
from storage.imports import Added, Candidate, Imported, Rejected, RowProblem, Unchanged, Updated
from storage.models import Group


def usage(t: Translator) -> str:
    """How to import a list (privately, to a leader)."""
    return plain_text(
        t, "To import your team's volunteer list, send me the file here: an Excel workbook "
        "(.xlsx) or a CSV file with a row of headings naming the columns (a title above it "
        "is fine). I read 称呼 (the roster "
        "name), 姓名 (the real name), 楼栋, 技能, 标签 and Telegram (their @username); "
        "other columns, such as ID card or phone numbers, are neither read nor kept.\n"
        "Rows are matched by the roster name (or the same @username, for a new name): "
        "sending the same list again changes nothing, and a corrected list updates only "
        "the rows that changed. /import remove <name> takes someone off the list."
    )


def in_group(t: Translator) -> str:
    """/import sent in the group: the file holds personal details."""
    return t.gettext(
        "A volunteer list holds personal details, so send it to me in a private chat, not "
        "here. Open a chat with me and send /import to see how."
    )


def leaders_only(t: Translator, member: bool = False) -> str:
    """Someone who leads no team sent a list, or /import (`member`: of some team)."""
    if member:
        return t.gettext("Only team leaders import volunteer lists, and you do not lead a "
                         "team here. Ask your team leader.")
    return t.gettext(
        "Only team leaders import volunteer lists. If you lead a team, sign up in its group "
        "with /signup first, so I know the team is yours."
    )


def linked_for_member(t: Translator, team: str, name: str, changed: Sequence[str]) -> str:
    """The member hears that a leader linked them to the office's list, and what changed."""
    text = t.gettext("A leader of {team} linked you to {name} on the community office's "
                     "volunteer list.").format(team=esc(team), name=esc(name))
    if changed:
        text += " " + t.gettext("Taken from the list: {fields}.").format(
            fields=t.gettext(", ").join(field_label(t, f) for f in changed))
    return text + " " + t.gettext("/me shows your details.")


def file_problem(t: Translator, problem: FileProblem) -> str:
    """Why the file cannot be read."""
    match problem:
        case FileProblem.OLD_EXCEL:
            return t.gettext(
                "This is an old-style Excel file (.xls), which I cannot read. In Excel choose "
                "File → Save As → Excel Workbook (.xlsx), then send the new file."
            )
        case FileProblem.TOO_BIG:
            return t.gettext(
                "This file is larger than {size} MB; a volunteer list is much smaller. Send "
                "only the sheet with the list."
            ).format(size=MAX_FILE // (1024 * 1024))
        case FileProblem.UNREADABLE:
            return t.gettext(
                "I cannot read this file: it may be damaged, or not really a spreadsheet. "
                "Save it again as .xlsx or .csv and send it."
            )
    return t.gettext(
        "I import volunteer lists from Excel (.xlsx) or CSV files only. Send /import for how."
    )


def download_failed(t: Translator) -> str:
    """Telegram did not give the file."""
    return t.gettext("I could not fetch the file from Telegram. Please send it again.")


def no_name_column(t: Translator, headings: Sequence[str]) -> str:
    """No column of names in the first row."""
    found = (join_names(t, [h[:20] for h in headings[:10]]) if headings
             else t.gettext("nothing"))
    return t.gettext(
        "The list needs a row of headings naming its columns, one of them 姓名 or 称呼, "
        "within its first {n} rows; its first row says: {headings}. Nothing was imported."
    ).format(headings=found, n=imports.HEADING_WITHIN)


def which_team(t: Translator, file_name: str) -> str:
    """A leader of several teams sent a list."""
    return t.gettext("Which team is the list “{file}” for?").format(file=esc(file_name[:60]))


def which_team_keyboard(request_id: int, teams: Sequence[Group]) -> InlineKeyboardMarkup:
    """One button per team the sender leads."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(team.title[:40] or str(team.id),
                              callback_data=f"impto:{request_id}:{team.id}")]
        for team in teams
    ])


def no_longer_leader_to_import(t: Translator) -> str:
    """A team chosen for a list by someone who no longer leads it."""
    return t.gettext("You no longer lead this team, so the list was not imported into it.")


def request_gone(t: Translator) -> str:
    """The team question was answered already, or is older than a day."""
    return t.gettext("This question has expired. Send the file again.")


FIELD_LABELS = {
    "name": N_("roster name"), "real_name": N_("real name"), "building": N_("building"),
    "skills": N_("skills"), "tags": N_("tags"), "username": N_("Telegram username"),
}


def field_label(t: Translator, field: str) -> str:
    """A field of the list, in words."""
    return t.gettext(FIELD_LABELS[field])


def _row(t: Translator, line: int, name: str) -> str:
    return t.gettext("row {line} {name}").format(line=line, name=esc(name))


def _why(t: Translator, row: Rejected) -> str:
    match row.problem:
        case RowProblem.NO_NAME:
            return t.gettext("no name")
        case RowProblem.BAD_NAME:
            return t.gettext(
                "the name “{typed}” is longer than 32 characters or shows nothing"
            ).format(typed=esc(row.typed))
        case RowProblem.BAD_FIELD:
            return t.gettext("the {field} is too long or unreadable").format(
                field=field_label(t, row.field or "name")
            )
        case RowProblem.BAD_USERNAME:
            return t.gettext(
                "“{typed}” is not a Telegram username (5 to 32 letters, digits or _, "
                "beginning with a letter)"
            ).format(typed=esc(row.typed))
        case RowProblem.IDENTITY:
            return t.gettext(
                "the {field} looks like an ID card or phone number, which is never kept"
            ).format(field=field_label(t, row.field or "name"))
        case RowProblem.SAME_NAME:
            return t.gettext("the same name as row {line}").format(line=row.other_line)
        case RowProblem.SAME_USERNAME if row.other_line is not None:
            return t.gettext("{user} is on row {line} already").format(
                user=esc(row.typed), line=row.other_line
            )
        case RowProblem.SAME_USERNAME:
            return t.gettext("{user} belongs to {name} on the list already").format(
                user=esc(row.typed), name=esc(row.other_name or "")
            )


LONG = 30  # more rows than this in a plain group: their line numbers, in runs


def _rows(t: Translator, rows: Sequence[Added | Unchanged]) -> str:
    """Each row with its name; a long run of rows as their line numbers (2–1816)."""
    if len(rows) <= LONG:
        return t.gettext(", ").join(_row(t, r.line, r.name) for r in rows)
    runs: list[list[int]] = []
    for r in rows:
        if runs and r.line == runs[-1][1] + 1:
            runs[-1][1] = r.line
        else:
            runs.append([r.line, r.line])
    return t.gettext(", ").join(
        t.gettext("row {line}").format(line=a) if a == b
        else t.gettext("rows {first}–{last}").format(first=a, last=b)
        for a, b in runs
    )


def imported(t: Translator, team: str, file_name: str, result: Imported) -> str:
    """The row-by-row answer."""
    if not result.rows:
        return t.gettext("The list “{file}” has no rows under its headings: nothing was "
                         "imported.").format(file=esc(file_name[:60]))
    added = [r for r in result.rows if isinstance(r, Added)]
    updated = [r for r in result.rows if isinstance(r, Updated)]
    same = [r for r in result.rows if isinstance(r, Unchanged)]
    rejected = [r for r in result.rows if isinstance(r, Rejected)]
    lines = [t.gettext("📋 The list “{file}” for {team}:").format(
        file=esc(file_name[:60]), team=esc(team))]
    sep = t.gettext(", ")
    if added:
        lines.append(t.ngettext("Added {n}: ", "Added {n}: ", len(added)).format(n=len(added))
                     + _rows(t, added))
    if updated:
        lines.append(
            t.ngettext("Updated {n}: ", "Updated {n}: ", len(updated)).format(n=len(updated))
            + sep.join(
                t.gettext("{row} ({fields})").format(
                    row=_row(t, r.line, r.name),
                    fields=t.gettext(", ").join(field_label(t, f) for f in r.changed),
                ) for r in updated
            )
        )
    if same:
        lines.append(
            t.ngettext("Unchanged {n}: ", "Unchanged {n}: ", len(same)).format(n=len(same))
            + _rows(t, same)
        )
    if rejected:
        lines.append(t.ngettext("Not imported, {n} row:", "Not imported, {n} rows:",
                                len(rejected)).format(n=len(rejected)))
        lines.extend(t.gettext("· row {line}: {why}").format(line=r.line, why=_why(t, r))
                     for r in rejected)
    if result.too_many:
        lines.append(t.gettext(
            "Only the first {n} rows were read; send the rest as a second file."
        ).format(n=imports.MAX_ROWS))
    if result.ignored:
        lines.append(t.gettext(
            "Columns not read: {columns} (what they hold is not kept)."
        ).format(columns=join_names(t, [h[:20] for h in result.ignored])))
    return "\n".join(lines)


def list_status(t: Translator, team: str, total: int, linked: int) -> str:
    """/import privately: how far a team's list is linked."""
    if not total:
        return t.gettext("{team} has no imported list yet.").format(team=esc(team))
    return t.ngettext(
        "{team}: {total} volunteer on the imported list, {linked} linked to members.",
        "{team}: {total} volunteers on the imported list, {linked} linked to members.", total,
    ).format(team=esc(team), total=total, linked=linked)


def link_question(t: Translator, team: str, candidate: Candidate) -> str:
    """Is this member the imported volunteer? (a leader decides)."""
    member = t.gettext("{name} (Telegram: {telegram}, joined {day})").format(
        name=esc(candidate.member_name),
        telegram=esc("@" + candidate.username if candidate.username
                     else candidate.telegram_name or "?"),
        day=day_label(t, candidate.joined.date()),
    )
    listed = (
        t.gettext("{name} ({building})").format(name=esc(candidate.name),
                                                building=esc(candidate.building))
        if candidate.building else esc(candidate.name)
    )
    return plain_text(
        t, "{team}: is the member {member} the {listed} of the imported list? Link them "
        "only if you know it is the same person: the member then takes the list's roster "
        "name, its building and skills where they gave none, and its real name if they "
        "have none."
    ).format(team=esc(team), member=member, listed=listed)


def link_keyboard(t: Translator, candidate: Candidate) -> InlineKeyboardMarkup:
    """Link, or say it is someone else."""
    pair = f"{candidate.entry_id}:{candidate.person_id}"
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Link them"), callback_data=f"implink:{pair}"),
        InlineKeyboardButton(t.gettext("Someone else"), callback_data=f"impno:{pair}"),
    ]])


def linked(t: Translator, member: str, done: imports.Linked) -> str:
    """The link is made."""
    text = t.gettext("✅ Linked: {member} is {name} of the imported list.").format(
        member=esc(member), name=esc(done.entry.name))
    if done.changed:
        text += "\n" + t.gettext("Taken from the list: {fields}.").format(
            fields=t.gettext(", ").join(field_label(t, f) for f in done.changed))
    if done.kept_real_name:
        text += "\n" + t.gettext(
            "Their own real name {name} stays; correct it with /realname if the list is right."
        ).format(name=esc(done.kept_real_name))
    return text


def declined(t: Translator, member: str, name: str) -> str:
    """Not the same person: not asked again."""
    return t.gettext("Not linked: {member} is not {name}. I will not ask about them again."
                     ).format(member=esc(member), name=esc(name))


def link_gone(t: Translator) -> str:
    """Linked already, or the member left."""
    return t.gettext(
        "Nothing to do: this volunteer is linked already, or the member has left the team."
    )


def more_links(t: Translator, n: int) -> str:
    """Questions not sent at once (a long list)."""
    return t.ngettext(
        "{n} more member may be on the list: send /import to see them.",
        "{n} more members may be on the list: send /import to see them.", n,
    ).format(n=n)


def confirm_in_telegram(t: Translator, n: int) -> str:
    """`dutybot import`: links are confirmed by a leader in Telegram."""
    return t.ngettext(
        "{n} member of the group may be a volunteer of the list: a leader confirms the link "
        "by sending /import to the bot privately.",
        "{n} members of the group may be volunteers of the list: a leader confirms each link "
        "by sending /import to the bot privately.", n,
    ).format(n=n)


def list_in_group(t: Translator) -> str:
    """A spreadsheet posted in the group."""
    return t.gettext(
        "If this is a volunteer list, it shows everyone's personal details to the whole "
        "group: please delete the message, and send the file to me in a private chat to "
        "import it (/import there says how)."
    )


def leaders_only_link(t: Translator) -> str:
    """Someone who does not lead the team tapped a link question."""
    return t.gettext("Only the team's leaders link members to the imported list.")


def linked_already(t: Translator) -> str:
    """A second tap on a link made a moment ago."""
    return t.gettext("Already linked.")


def removed(t: Translator, name: str, team: str, linked: bool) -> str:
    """Off the imported list."""
    text = t.gettext("{name} is off the imported list of {team}.").format(
        name=esc(name), team=esc(team))
    if linked:
        text += " " + t.gettext("The member linked to this row stays on the roster.")
    return text


def not_on_list(t: Translator, name: str) -> str:
    """/import remove with a name not on any list."""
    return t.gettext("There is no {name} on your teams' imported lists.").format(
        name=esc(name[:32]))


def name_in_several_lists(t: Translator, name: str, teams: Sequence[str]) -> str:
    """/import remove: the name is on the lists of several teams the leader leads."""
    return t.gettext(
        "{name} is on the imported lists of {teams}: remove it in a corrected list "
        "instead, or ask the office."
    ).format(name=esc(name[:32]), teams=join_names(t, teams))
