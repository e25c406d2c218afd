"""Self-governance bodies (their coverage for any region) and compacts (居民公约, 村规民约)
with versions, adopting meeting, filing with the township and the public page."""
