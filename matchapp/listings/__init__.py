"""Listings: technologies and needs — access rules, search, editing, spreadsheets."""
