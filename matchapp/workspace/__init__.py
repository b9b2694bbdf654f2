"""The coordinators' workspace: JCM screening (and, next, the project pipeline and reports)."""
