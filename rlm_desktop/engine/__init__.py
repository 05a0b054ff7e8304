"""The headless RLM engine: loop, protocol, prompts, budgets, events and the run tree (no Qt)."""
