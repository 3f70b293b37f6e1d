"""Label items toil or not, with reasons."""
