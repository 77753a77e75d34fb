"""Security: each test shows a refusal of the attack it names, and that nothing was written."""
