"""People, teams and units; roster import/export; lot drawing and codes."""
