"""Route modules: one ``Router`` each, included by ``api.app``."""
