"""What the pages show, made ready for their templates: figures with their periods, cards, charts and
ranking rows. Views pick the data and the template; presenters shape it; neither writes."""
