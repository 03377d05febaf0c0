#!/usr/bin/python3
"""ics-validate.py FILE...: each file must parse with Debian's python3-icalendar as one
VCALENDAR (VERSION 2.0, PRODID) with at least one component (RFC 5545, 3.6), every VEVENT
with UID, DTSTAMP and DTSTART, DTEND after DTSTART, and every UID unique. Prints
"UID DTSTART" per event (for the caller to compare exports); exit 1 on any problem."""
import sys

import icalendar

problems = 0


def bad(path, what):
    global problems
    problems += 1
    print(f"{path}: {what}", file=sys.stderr)


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        raw = f.read()
    if b"\r\n" not in raw or raw.replace(b"\r\n", b"").find(b"\n") >= 0:
        bad(path, "lines must end in CRLF")
    try:
        cal = icalendar.Calendar.from_ical(raw)
    except ValueError as e:
        bad(path, f"does not parse: {e}")
        continue
    if cal.name != "VCALENDAR" or str(cal.get("VERSION")) != "2.0" or not cal.get("PRODID"):
        bad(path, "not a VCALENDAR with VERSION 2.0 and PRODID")
    if not cal.subcomponents:
        bad(path, "a calendar without components (RFC 5545, 3.6)")
    uids = set()
    for ev in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            if ev.get(prop) is None:
                bad(path, f"a VEVENT without {prop}")
        uid = str(ev.get("UID"))
        if uid in uids:
            bad(path, f"UID {uid} twice")
        uids.add(uid)
        start = ev.decoded("DTSTART")
        if ev.get("DTEND") is not None and ev.decoded("DTEND") <= start:
            bad(path, f"{uid}: DTEND not after DTSTART")
        print(uid, start.isoformat())
sys.exit(1 if problems else 0)
