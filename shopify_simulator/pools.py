"""Word pools for realistic, deliberately international names and places."""

FIRST_NAMES = (
    "James Mary Olivia Liam Emma Noah Ava Lucas Mia Ethan Sofia Mateo Chloe Aarav Priya "
    "Ananya Wei Mei Hiroshi Yuki Fatima Omar Aisha Kwame Amara Lars Ingrid Pierre Camille "
    "Giulia Marco Ivan Olga Sean Siobhán Björn Zoë José María François Renée Łukasz Chiara "
    "Nguyễn Søren Dvořák Aoife Ngozi Chen Sarah David Emily Michael Jessica Daniel Laura"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Garcia Miller Davis Rodriguez Martinez Lopez Wilson Anderson "
    "Müller Schmidt Schneider Fischer Dubois Lefèvre Rossi Bianchi Kowalski Nowak Ivanov "
    "Petrov Tanaka Suzuki Sato Wang Li Zhang Kim Park Nguyen Patel Sharma O'Brien MacDonald "
    "Andersson Johansson Núñez Peña Gómez Øvergaard Šimek 田中 山本 佐藤 김 Okafor Mensah Haddad"
).split()
# (city, province, province code, country, country code, zip prefix, tax rate per mille)
PLACES = (
    ("New York", "New York", "NY", "United States", "US", "100", 88),
    ("Brooklyn", "New York", "NY", "United States", "US", "112", 88),
    ("Los Angeles", "California", "CA", "United States", "US", "900", 95),
    ("San Francisco", "California", "CA", "United States", "US", "941", 86),
    ("Austin", "Texas", "TX", "United States", "US", "787", 82),
    ("Chicago", "Illinois", "IL", "United States", "US", "606", 102),
    ("Seattle", "Washington", "WA", "United States", "US", "981", 101),
    ("Miami", "Florida", "FL", "United States", "US", "331", 70),
    ("Portland", "Oregon", "OR", "United States", "US", "972", 0),
    ("Denver", "Colorado", "CO", "United States", "US", "802", 81),
    ("Toronto", "Ontario", "ON", "Canada", "CA", "M5V", 130),
    ("Montréal", "Quebec", "QC", "Canada", "CA", "H2X", 149),
    ("London", "England", "ENG", "United Kingdom", "GB", "EC1", 200),
    ("München", "Bayern", "BY", "Germany", "DE", "803", 190),
    ("Berlin", "Berlin", "BE", "Germany", "DE", "101", 190),
    ("Paris", "Île-de-France", "IDF", "France", "FR", "750", 200),
    ("Zürich", "Zürich", "ZH", "Switzerland", "CH", "800", 81),
    ("São Paulo", "São Paulo", "SP", "Brazil", "BR", "010", 0),
    ("México", "Ciudad de México", "CMX", "Mexico", "MX", "060", 160),
    ("東京", "Tokyo", "13", "Japan", "JP", "100", 100),
    ("Sydney", "New South Wales", "NSW", "Australia", "AU", "200", 100),
    ("Bengaluru", "Karnataka", "KA", "India", "IN", "560", 180),
)
# Weights favour the home market, as most single-country stores see.
PLACE_WEIGHTS = (14, 8, 10, 6, 6, 6, 5, 5, 3, 4, 4, 2, 4, 3, 3, 3, 1, 2, 2, 2, 2, 2)

ADJECTIVES = (
    "Classic Organic Vintage Everyday Premium Cozy Rugged Minimal Bold Coastal Alpine Urban "
    "Handmade Recycled Heritage Nordic Sunset Midnight Café Señorita Über"
).split()
NOUNS = (
    "Tee Hoodie Mug Candle Backpack Sneaker Beanie Scarf Notebook Bottle Blanket Jacket Cap "
    "Tote Socks Apron Planter Lamp Wallet Sunglasses"
).split()
PRODUCT_TYPES = ("Apparel", "Home", "Accessories", "Footwear", "Stationery", "Outdoor")
VENDORS = ("Acme Goods", "Northwind", "Globex Supply", "Fábrica Luz", "Kōbō Works", "Hänsel & Co")
VARIANT_OPTIONS = (
    ("S", "M", "L", "XL"),
    ("Black", "White", "Navy", "Olive"),
    ("250ml", "500ml", "1L"),
)
TAGS = ("vip", "wholesale", "newsletter", "returning", "gift", "sale", "b2b", "loyalty")
SOURCE_NAMES = ("web", "web", "web", "web", "pos", "shopify_draft_order", "iphone", "android")
REFUND_NOTES = ("Damaged in transit", "Wrong size", "Changed mind", None, "Late delivery")
EMAIL_DOMAINS = ("example.com", "mail.example.org", "example.net", "correo.example.es")
