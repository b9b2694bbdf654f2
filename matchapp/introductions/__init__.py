"""Introductions: requests, answers, history, message threads and meetings."""
