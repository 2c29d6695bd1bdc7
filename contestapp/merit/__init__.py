"""Project merit contests (重点工程立功竞赛) and points assessments (1+X)."""
