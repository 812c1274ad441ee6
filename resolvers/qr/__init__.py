"""Building QR stickers (民情二维码): who may print which sheet, the sheet's layout and PDF, the
resident page's URL behind each code, and rotating a building's token (the old one retired)."""
