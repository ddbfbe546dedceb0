"""The Textual app: screens, widgets and one stylesheet. The only package that imports Textual."""
