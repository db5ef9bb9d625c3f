"""What every memory component must agree on: brain naming, embedding, and the Chroma layout."""
