"""People: users, their memberships and roles in organisations, sign-in sessions and tokens."""
