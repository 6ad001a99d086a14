# The close_account and track_action rules of rules/, translated by hand into
# Rego, for benchmarks/bench_decide.py to time regorus (OPA's Rego engine in
# Rust, PyPI opa-eval) beside the engine. bench_decide.py and
# benchmarks/rego_agrees.py check that it gives the engine's outcome and
# violated rule ids on the benchmark documents and on the YAML cases Rego can
# express (amounts within a double's precision: Rego's numbers are doubles).
package closure

import rego.v1

amount(x) := to_number(x)

counting(ticket) if {
	ticket.status in {"open", "in_progress"}
	input.account.id in ticket.account_ids
}

closure_ticket_filed if {
	some ticket in input.support_tickets
	ticket.type == "close_account"
	counting(ticket)
}

balance_forfeited if {
	some ticket in input.support_tickets
	ticket.type == "close_account"
	counting(ticket)
	object.get(ticket, "forfeit_balance", false) == true
}

available := amount(input.balance.available)

threshold := amount(input.balance.auto_withdrawal_threshold)

# close_account: each rule id with its checklist step

close_account_violations contains [0, "closure.not-already-closed"] if input.account.status == "closed"

close_account_violations contains [1, "contracts.all-expired"] if {
	some contract in input.contracts
	contract.status != "expired"
}

close_account_violations contains [2, "funds.no-pending"] if amount(input.balance.pending) > 0

close_account_violations contains [2, "funds.no-overdue"] if amount(input.balance.overdue) > 0

close_account_violations contains [2, "funds.available-paid-out"] if {
	available > 0
	available >= threshold
}

close_account_violations contains [2, "funds.small-balance-resolved"] if {
	available > 0
	available < threshold
	not balance_forfeited
}

close_account_violations contains [3, "ticket.closure-requested"] if not closure_ticket_filed

close_account_violations contains [4, "review.final-review-approved"] if input.final_review.status != "approved"

default close_account_outcome := "allow"

close_account_outcome := "deny" if count(close_account_violations) > 0

close_account := {
	"outcome": close_account_outcome,
	"violations": [id | some v in sort(close_account_violations); id := v[1]],
}

# track_action: rejected from the calendar day of the closure on, in the account's zone

zone := object.get(input.account, "timezone", "UTC")

track_action_violations contains "actions.reject-after-closure" if {
	input.account.status == "closed"
	time.date([time.parse_rfc3339_ns(input.action.occurred_at), zone]) >= time.date([time.parse_rfc3339_ns(input.account.closed_at), zone])
}

default track_action_outcome := "accept"

track_action_outcome := "reject" if count(track_action_violations) > 0

track_action := {
	"outcome": track_action_outcome,
	"violations": sort(track_action_violations),
}
