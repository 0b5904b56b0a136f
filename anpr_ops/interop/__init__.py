"""Reading and writing other formats: JSON Lines of events, data.police.uk, ANPR hit files."""
