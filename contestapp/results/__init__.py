"""Results: raw marks -> domain engine -> rankings with explanations; publicity, appeals, snapshots, exports."""
