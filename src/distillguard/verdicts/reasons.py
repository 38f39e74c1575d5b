"""Reason codes in plain words: the glossary the report and docs show next to each verdict."""

from __future__ import annotations

REASON_GLOSSARY: dict[str, str] = {
    "allowlisted": "Licensed distillation contract: watched, never flagged or blocked.",
    "intent_cot_elicitation": "Many requests coerce the model's chain of thought or ask it to "
    "reconstruct hidden reasoning.",
    "intent_rubric_grading": "Many requests use the model as a judge or reward model.",
    "intent_censorship_rewrite": "Many requests ask for censorship-safe rewrites of sensitive "
    "questions.",
    "intent_agentic_trace": "Many requests harvest tool-use or agent trajectories.",
    "intent_capability_sweep": "Many requests sweep a task space systematically.",
    "harvest_heavy": "Most of the account's traffic looks like training-data harvesting.",
    "template_concentration": "One prompt template carries most of the account's requests.",
    "single_turn": "Almost every request is single-turn: no conversation, just prompt in, "
    "answer out.",
    "round_the_clock": "Activity is spread evenly over all hours: no human daily rhythm.",
    "output_maximising": "Many requests demand maximal, exhaustive output.",
    "fresh_account": "The account started sending requests within an hour of sign-up.",
    "campaign_member": "Linked to a flagged cross-account campaign (see campaigns.json), and "
    "the account itself made harvesting requests.",
    "campaign_harvest": "The campaign's pooled traffic is far more harvest-like than groups of "
    "the same size drawn from the same traffic.",
    "campaign_lockstep": "The campaign's accounts send the same templates in the same minutes "
    "far more often than chance allows.",
    "campaign_shared_payment": "Many of the campaign's accounts share payment fingerprints.",
    "campaign_signup_burst": "The campaign's accounts were created in a burst through one channel.",
    "campaign_young_unverified": "The campaign's accounts are unusually young and unverified.",
    "shared_egress_harvest": "The account made harvesting requests from an IP address whose "
    "traffic, pooled over the several accounts behind it, is far more harvest-like than benign "
    "shared addresses (NATs, offices) carry.",
    "shared_payment_harvest": "The account made harvesting requests and shares a payment method "
    "with other accounts whose pooled traffic is harvest-heavy.",
    "signup_cohort_harvest": "The account made harvesting requests and was created in the same "
    "signup burst, through the same channel, as other harvesting accounts.",
    "shared_harness_harvest": "The account made harvesting requests with a system prompt or "
    "tool set run largely by several accounts that are heavy harvesters.",
    "shared_template_harvest": "The account made harvesting requests and sent a prompt "
    "template whose traffic, while the account held it, was mostly harvesting requests from "
    "two or more accounts that are heavy harvesters.",
    "shared_identity_and_harness": "Flagged on group evidence alone: the account shares a "
    "harvest-heavy egress address, payment method or signup burst with other accounts and also "
    "runs the system prompt or tool set their harvesting runs, before any request of its own "
    "looked like harvesting.",
}
