"""biteye-site: a static-site generator for a Portuguese-language tech-news archive."""

__version__ = "0.1.0"
