"""A demo to look around: ``flask --app course demo`` seeds an organisation and its people."""
