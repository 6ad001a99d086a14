"""Every limit the engine enforces, in one place.

Input beyond a limit is refused as a user's mistake (exit 2, naming the place
and the limit), never truncated, never decided. ``docs/limits.md`` lists these
values and a test keeps it equal to this module; ``facts.schema.json`` repeats
the ones JSON Schema can state (``maxLength``), and a test keeps those equal too.
"""
from __future__ import annotations

from pathlib import Path

# --- JSON documents: facts, stream lines ------------------------------------
#: Deepest nesting of arrays and objects in a facts document or stream line.
MAX_JSON_DEPTH = 32
#: Largest facts document or stream line, in bytes of UTF-8 (also facts read back from a decision log).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
#: Most digits of a JSON integer anywhere in a document.
MAX_INTEGER_DIGITS = 40
#: Longest string anywhere in a document, in characters.
MAX_STRING_LENGTH = 65_536
#: Longest identifier (account, contract, ticket, link, user, action id).
MAX_ID_LENGTH = 256
#: Longest IANA time-zone name.
MAX_TIMEZONE_LENGTH = 64

# --- amounts and instants ---------------------------------------------------
#: Most digits before the decimal point of an amount (amounts are below 10**38).
MAX_MONEY_INTEGER_DIGITS = 38
#: Most digits after the decimal point of an amount, as written.
MAX_MONEY_FRACTION_DIGITS = 38
#: Most digits in the fraction of a second of an RFC 3339 timestamp.
MAX_SECOND_FRACTION_DIGITS = 18
#: The earliest instant (in UTC): a day inside the calendar, so every zone's calendar day exists.
MIN_INSTANT_UTC = "0001-01-02T00:00:00Z"
#: The latest instant (in UTC), a day inside the calendar for the same reason.
MAX_INSTANT_UTC = "9999-12-30T23:59:59Z"

# --- rule files and test suites -----------------------------------------------
#: Largest rule file or test suite, in bytes.
MAX_RULE_FILE_BYTES = 1024 * 1024
#: Deepest nesting of YAML collections in one file.
MAX_YAML_DEPTH = 48
#: Most YAML nodes one file may build, aliases expanded (stops alias bombs).
MAX_YAML_NODES = 200_000
#: Most digits of a YAML integer in a rule file.
MAX_YAML_INTEGER_DIGITS = 40
#: Deepest nesting of objects and arrays in a policy's facts schema.
MAX_FACTS_SCHEMA_DEPTH = 64
#: Deepest nesting of one condition, named conditions expanded.
MAX_CONDITION_DEPTH = 48
#: Most comparisons in one condition, named conditions expanded.
MAX_CONDITION_SIZE = 10_000
#: Deepest nesting of quantifiers (some, every, none, count, collect, for_each) in one condition, named
#: conditions expanded: each is a loop of the generated code, and CPython compiles at most 20 nested loops.
MAX_QUANTIFIER_DEPTH = 16
#: Deepest nesting of lists in a policy's facts schema (a list of lists...): each is a loop of the generated
#: check of a document, as above.
MAX_FACTS_LIST_DEPTH = 16
#: Most properties of the one durable_rules fact a rete decision asserts (durable_rules' own limit).
MAX_RETE_FACT_PROPERTIES = 255
#: Most alternatives the rete backend generates for one quantifier's condition.
MAX_RETE_ALTERNATIVES = 512

#: Compiled rules the language server and ``serve --watch`` keep between compilations (each recompiles
#: only the rules an edit changed); the least recently used are dropped past this many.
COMPILED_RULES_KEPT = 50_000
#: Shapes of rule function the compiled backend keeps compiled (rules that differ only in their literals share
#: one): a reload of the same rules compiles none again.
RULE_SHAPES_KEPT = 4_096
#: Timestamp texts whose instants decisions keep read (a closure date is read by every later decision of its
#: account); all are forgotten at once past this many.
INSTANTS_KEPT = 16_384

# --- the stream ----------------------------------------------------------------
#: Most accounts whose state the stream holds; a snapshot of one more is refused.
MAX_STREAM_ACCOUNTS = 2_000_000
#: Accounts whose state ``stream --state`` holds in memory (the most recently used); the rest are on disk only.
STATE_CACHE_ACCOUNTS = 10_000
#: Pages of write-ahead log ``stream --state`` lets grow before SQLite copies them into the state file (a
#: checkpoint, in a commit): the states of busy accounts change page after page, and each checkpoint copies a
#: page once however often it changed (4 KB pages: a log of up to 64 MB beside the file).
STATE_CHECKPOINT_PAGES = 16_384
#: Seconds ``stream --state`` waits for another stream on the same state file to end before it refuses.
STATE_LOCK_WAIT_SECONDS = 10
#: Largest state the stream keeps for one account, in bytes (compressed).
MAX_ACCOUNT_STATE_BYTES = 64 * 1024
#: Lines ``stream --workers`` sends a worker at once.
STREAM_BATCH_LINES = 200
#: Lines ``stream --workers`` has read and not yet written (its memory follows it: at most this many lines).
STREAM_IN_FLIGHT_LINES = 20_000
#: durable_rules statechart sessions kept live at once (about 400 KB each).
LIVE_LIFECYCLE_SESSIONS = 128

# --- the decision service (closure-policy serve) --------------------------------
#: Documents the playground offers to start from: of the policy's example files, and of its suites' cases.
MAX_PLAYGROUND_EXAMPLES = 60
#: Largest example file the playground offers, in bytes: each is written into the page, so a larger one is left out.
MAX_PLAYGROUND_EXAMPLE_BYTES = 262_144
#: Of those, the examples the OpenAPI document gives the decision request.
MAX_OPENAPI_EXAMPLES = 6
#: Largest request body the service reads, in bytes (``--max-body``). Memory follows it: a JSON-array
#: batch of the tiniest items (``[0,0,…]``) takes about 35 times its body while its items are counted.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
#: Most facts documents in one batch request (``--max-batch``).
MAX_BATCH_DOCUMENTS = 10_000
#: Rows in one partition of a batch or diff job: a worker's unit of work and of memory.
BATCH_PARTITION_ROWS = 10_000
#: Partitions a batch keeps in flight per worker: enough to keep workers busy, few enough to bound memory.
BATCH_PARTITIONS_IN_FLIGHT = 2
#: Longest a batch tries to reach the scheduler ``--scheduler`` names, in seconds.
BATCH_CONNECT_SECONDS = 10.0
#: Longest a batch waits for a first worker to join a cluster it was pointed at, in seconds.
BATCH_WORKER_WAIT_SECONDS = 60.0
#: Sample accounts a diff report keeps for each transition.
DIFF_SAMPLES = 5
#: Longest one mutant may take to compile and run every case (``test --mutate``), in seconds.
MUTANT_SECONDS = 30.0
#: Longest a request may take before it is answered 503, in seconds (``--timeout``).
REQUEST_TIMEOUT_SECONDS = 30.0
#: Most decision records committed to the decision log in one transaction (group commit).
MAX_LOG_GROUP = 2_000
#: How often the decision log's write-ahead log is copied into its database, in seconds (off the answer path).
LOG_CHECKPOINT_SECONDS = 1.0
#: Largest body (or NDJSON group of 100 lines) decided on the event loop, in bytes;
#: a larger one is decided on a thread, so ``/health`` is not kept waiting.
INLINE_DECISION_BYTES = 65_536

# --- a fleet: policy bundles and shipped decision logs ----------------------------
#: Largest bundle (a gzipped tarball) read or downloaded, in bytes; a larger one is refused whole.
MAX_BUNDLE_BYTES = 32 * 1024 * 1024
#: Largest sum of a bundle's files once unpacked, in bytes (no decompression bomb gets further).
MAX_BUNDLE_UNPACKED_BYTES = 256 * 1024 * 1024
#: Most files in one bundle.
MAX_BUNDLE_FILES = 10_000
#: Largest key file read (an Ed25519 key in PEM is a few hundred bytes); a larger one is not a key.
MAX_KEY_BYTES = 65_536
#: Longest one bundle download may take, in seconds; then it counts as failed and the next poll tries again.
BUNDLE_DOWNLOAD_SECONDS = 30.0
#: How often ``serve --bundle`` asks for a new bundle, in seconds, unless ``--bundle-poll`` says otherwise.
BUNDLE_POLL_SECONDS = 10.0
#: Decision records the shipper copies to PostgreSQL in one transaction.
SHIP_BATCH_RECORDS = 1_000
#: Longest the shipper waits between attempts while PostgreSQL is down, in seconds (it doubles up to this).
SHIP_BACKOFF_SECONDS = 10.0
#: Longest a stopping service (SIGTERM) spends shipping what its log still holds, in seconds; what is left
#: waits in the outbox for the next start.
SHIP_FLUSH_SECONDS = 5.0
#: Records a decision log keeps that are not yet shipped; past it, decisions are refused 503 ``log-full``
#: (nothing is dropped: the service stops acknowledging rather than forgetting).
MAX_LOG_OUTBOX_RECORDS = 1_000_000

# --- connections (each worker of the decision service) ---------------------------
#: Longest a connection may take to send a request's line and headers, in seconds; then it is closed.
HEADER_TIMEOUT_SECONDS = 10.0
#: Most bytes of one request's line and headers; past it the request is answered 431 and the connection closed.
MAX_HEADER_BYTES = 65_536
#: Most header fields in one request; past it the request is answered 431 and the connection closed.
MAX_HEADERS = 100
#: Most connections one worker holds; a request on a connection past it is answered 503 and the connection closed.
MAX_CONNECTIONS = 1_000
#: Longest an idle keep-alive connection is held between requests, in seconds.
KEEP_ALIVE_SECONDS = 5.0

# --- proofs (closure-policy prove) ------------------------------------------------
#: Most items of each list a proof's documents may hold (``--max-items``): every list is that many variables
#: deep, and nested lists multiply, so the solver's work grows fast with it.
MAX_PROVE_ITEMS = 8
#: Longest ``--timeout`` of one property, in seconds: past it the property is "unknown", never proved.
MAX_PROVE_TIMEOUT_SECONDS = 3_600.0
#: Longest a counterexample is spent being made readable (lists short, values near the schema's examples),
#: in seconds; past it the document is shown as it then is, as valid and as confirmed.
PROVE_READABLE_SECONDS = 10.0

# --- the language server (closure-policy lsp) -------------------------------------
#: Pause after the last keystroke before a changed buffer is checked, in seconds (a save or an open: at once).
#: A buffer is read within ``MAX_RULE_FILE_BYTES`` like a file; a larger one is one located problem.
LSP_DEBOUNCE_SECONDS = 0.05
#: Most characters before the cursor that completion and hover read to find where they are (a line may be long).
LSP_CONTEXT_CHARS = 1_000

# --- messages --------------------------------------------------------------------
#: Longest excerpt of an offending value a message quotes, in characters.
MAX_EXCERPT = 60
#: Longest message of one problem, in characters.
MAX_MESSAGE = 500
#: Most problems an invalid document reports, each at its JSON pointer; the rest are counted (``omitted``).
MAX_PROBLEMS = 100
#: Most problems of one document counted in all: past it, the report says "or more" and stops looking.
MAX_PROBLEMS_COUNTED = 1_000


def documented() -> dict[str, object]:
    """Every limit by name, as ``docs/limits.md`` lists them."""
    return {name: value for name, value in globals().items() if name.isupper()}


def _descriptions() -> dict[str, str]:
    """Each limit's ``#:`` comment, read from this file."""
    found: dict[str, str] = {}
    comment: list[str] = []
    for line in Path(__file__).read_text(encoding="utf-8").splitlines():
        if line.startswith("#:"):
            comment.append(line[2:].strip())
        elif comment and "=" in line:
            found[line.split("=", 1)[0].strip()] = " ".join(comment)
            comment = []
    return found


def markdown_table() -> str:
    """The table of ``docs/limits.md``; ``tests/test_docs_limits.py`` keeps the two equal."""
    rows = ["| limit | value | what it bounds |", "|---|---|---|"]
    text = _descriptions()
    for name, value in documented().items():
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        rows.append(f"| `{name}` | {shown} | {text.get(name, '')} |")
    return "\n".join(rows) + "\n"
