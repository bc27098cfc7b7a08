"""The Atom feed (RFC 4287) of public decisions: formatting only, the data comes from
`services.reading.public.decisions_of`."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from aftaleflow.config import local_time
from aftaleflow.services.reading.public_views import PublicDecision

ATOM = "http://www.w3.org/2005/Atom"
LICENCE = "CC BY 4.0 – https://creativecommons.org/licenses/by/4.0/deed.da"


def _stamp(value: datetime) -> str:
    return local_time(value).isoformat()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _summary(d: PublicDecision) -> str:
    parts = [f"{d.party}: {d.state_label.lower()}"]
    if d.decided_on:
        parts.append(f"besluttet {d.decided_on:%d.%m.%Y}")
    if d.meeting_date:
        parts.append(f"møde {d.meeting_date:%d.%m.%Y}")
    if d.protocol_ref:
        parts.append(f"protokol: {d.protocol_ref}")
    return f"{', '.join(parts)} (runde {d.round_no}, tekstversion {d.text_version})."


def atom_feed(*, feed_id: str, title: str, self_url: str, page_url: str, base_url: str,
              decisions: list[PublicDecision], updated: datetime) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "da"})
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    newest = max([updated, *(d.updated_at for d in decisions)], key=lambda v: local_time(v))
    _sub(feed, "updated", _stamp(newest))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _sub(feed, "author")
    _sub(author, "name", "aftaleflow")
    _sub(feed, "rights", LICENCE)
    for d in decisions:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:aftaleflow:beslutning:{d.id}")
        _sub(entry, "title", f"{d.party}: {d.state_label} – {d.agreement_title}")
        _sub(entry, "updated", _stamp(d.updated_at))
        _sub(entry, "link", rel="alternate", type="text/html",
             href=f"{base_url}/offentlig/aftaler/{d.agreement_id}")
        _sub(entry, "category", term=d.state, label=d.state_label)
        _sub(entry, "summary", _summary(d))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
