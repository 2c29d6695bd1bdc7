"""Users, roles, login (password and judge login cards) and permission checks."""
