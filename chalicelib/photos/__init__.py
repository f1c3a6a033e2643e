"""Survey photos: normalize what a customer sends, check its quality, lay out a contact sheet."""
