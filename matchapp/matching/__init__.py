"""Matching engine: explainable scores between needs and technologies, in Japanese and English."""
