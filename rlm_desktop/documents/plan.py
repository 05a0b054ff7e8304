"""From walk entries to records and jobs: total-size cap, duplicates, which files to hash."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rlm_desktop.documents.jobs import Job, Outcome
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.model import IngestRecord
from rlm_desktop.documents.walk import Found
from rlm_desktop.sizes import human_size


@dataclass
class Plan:
    """Records in walk order (filled in as jobs finish), the jobs, and duplicate links."""

    records: list[IngestRecord]
    jobs: list[Job]
    same_file: dict[int, int] = field(default_factory=dict)
    """record index -> index of an earlier record that is the very same file (same inode)."""


def plan_ingest(found: list[Found], limits: IngestLimits) -> Plan:
    records: list[IngestRecord] = []
    jobs: list[Job] = []
    same_file: dict[int, int] = {}
    first_by_key: dict[tuple[int, int], int] = {}
    total = 0
    for index, entry in enumerate(found):
        ok = entry.error is None
        record = IngestRecord(
            entry.path, ok, entry.kind, error=entry.error, warnings=list(entry.warnings)
        )
        records.append(record)
        if entry.is_note or entry.error:
            continue
        if entry.key in first_by_key:
            same_file[index] = first_by_key[entry.key]
            continue
        if total + entry.size > limits.max_total_bytes:
            record.ok = False
            record.error = (
                f"not read: the files dropped together are over the "
                f"{human_size(limits.max_total_bytes)} total size limit"
            )
            continue
        total += entry.size
        first_by_key[entry.key] = index
        jobs.append(Job(index, entry.path, entry.name, entry.kind, entry.size))
    sizes = Counter(job.size for job in jobs)
    jobs = [
        Job(j.index, j.path, j.name, j.kind, j.size, want_digest=sizes[j.size] > 1) for j in jobs
    ]
    return Plan(records, jobs, same_file)


def apply_outcome(record: IngestRecord, outcome: Outcome) -> None:
    """Fill a record from its job's outcome."""
    record.kind = outcome.kind
    record.warnings = list(outcome.warnings)
    if outcome.document is None:
        record.ok = False
        record.error = outcome.error or "the file could not be read"
        return
    record.ok = True
    record.error = None
    record.document = outcome.document
    record.chars = len(outcome.document.text)
    record.pages = len(outcome.document.pages)
    record.ocr_pages = list(outcome.document.ocr_pages)


def _mark_duplicate(record: IngestRecord, original: IngestRecord) -> None:
    record.kind = original.kind
    record.document = None
    record.chars = 0
    record.pages = 0
    if original.ok:
        record.ok = True
        record.error = None
        record.warnings = [
            f"same content as {original.path}, which is loaded; this copy was not loaded again"
        ]
    else:
        record.ok = False
        record.error = original.error


def mark_duplicates(plan: Plan, digests: dict[int, bytes]) -> None:
    """Keep the first of each set of identical files; later copies get one note, no text."""
    for index, original in plan.same_file.items():
        _mark_duplicate(plan.records[index], plan.records[original])
    first_by_digest: dict[bytes, int] = {}
    for index in sorted(digests):
        record = plan.records[index]
        if record.document is None:
            continue
        first = first_by_digest.setdefault(digests[index], index)
        if first != index:
            _mark_duplicate(record, plan.records[first])
