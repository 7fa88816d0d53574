"""Checking many certificates at once, for people who must see that others are trained: a file of
codes in, each one's status and holder out, every check audited."""
