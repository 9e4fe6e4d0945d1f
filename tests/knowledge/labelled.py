"""A small help centre and questions, each answered by one article (for recall checks)."""

ARTICLES = {
    "Opening hours": "Our shop in Leeds is open Monday to Friday from 9am to 6pm and on Saturdays "
    "from 10am to 4pm. We are closed on Sundays and on bank holidays.",
    "Returns policy": "You can return any unused item within 30 days of delivery for a full "
    "refund. Print the prepaid label from your account and drop the parcel at any post office.",
    "Shipping costs": "Standard delivery in the UK costs 3.95 pounds and takes two to four working "
    "days. Orders over 50 pounds ship free. Express next-day delivery costs 7.50.",
    "International delivery": "We ship to all EU countries, the United States and Canada. "
    "Customs duties are charged by the destination country and are paid by the recipient.",
    "Resetting your password": "To reset your password, click 'Forgot password' on the sign-in "
    "page and follow the link we e-mail you. The link expires after one hour.",
    "Deleting your account": "You can close your account under Settings, Privacy, Delete account. "
    "We erase your personal data within 30 days, except invoices we must keep for tax law.",
    "Payment methods": "We accept Visa, Mastercard, American Express, PayPal and Apple Pay. "
    "Business customers can also pay by bank transfer against an invoice.",
    "Gift cards": "Gift cards are sold in values from 10 to 200 pounds, never expire and can be "
    "used online or in the shop. Lost gift cards can be replaced with the receipt.",
    "Warranty": "Every appliance comes with a two-year manufacturer warranty covering defects. "
    "Accidental damage such as drops or water is not covered.",
    "Booking a repair": "Book a repair appointment online or by phone; a technician visits within "
    "five working days. The call-out fee is 45 pounds, waived if the repair is under warranty.",
    "Loyalty programme": "Members earn one point per pound spent. 100 points give a 5 pound "
    "voucher. Points expire after two years without a purchase.",
    "Student discount": "Students get 10 percent off full-price items with a valid student card "
    "or a verified student account. The discount cannot be combined with sales.",
}

QUESTIONS = [
    ("When are you open on Saturday?", "Opening hours"),
    ("are you open sundays", "Opening hours"),
    ("How do I send back something I bought?", "Returns policy"),
    ("refund for an item I don't want", "Returns policy"),
    ("How much is delivery?", "Shipping costs"),
    ("is shipping free for big orders", "Shipping costs"),
    ("Do you deliver to Canada?", "International delivery"),
    ("who pays import tax abroad", "International delivery"),
    ("I forgot my password", "Resetting your password"),
    ("the reset link does not work anymore", "Resetting your password"),
    ("How do I close my account and remove my data?", "Deleting your account"),
    ("Can I pay with PayPal?", "Payment methods"),
    ("do you take amex cards", "Payment methods"),
    ("Do gift vouchers expire?", "Gift cards"),
    ("Is my broken dishwasher covered?", "Warranty"),
    ("I dropped my kettle in water, is that covered by the guarantee", "Warranty"),
    ("Can a technician come to fix my fridge?", "Booking a repair"),
    ("how many points do I get per pound", "Loyalty programme"),
    ("discount for students", "Student discount"),
    ("Can I combine the student discount with sale prices?", "Student discount"),
]
