"""Turn each source into WorkItems; nothing else."""
