"""The public pages: home, the privacy notice, the language choice."""
