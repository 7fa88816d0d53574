"""Writing the course on the web: drafts, publishing, versions, images and module zips."""
