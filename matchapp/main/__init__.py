"""The landing page, the role-based dashboard and the language switch."""
