"""Looker -> QAD: figures Looker computes become reconciliation references on QAD GL accounts and cost centres."""
