// How the console names what a purchase buys: stars, or months of Telegram Premium, and for whom.
export function purchased(tx) {
  const what = tx.months ? `Telegram Premium, ${tx.months} months,` : `${tx.stars} ★`;
  return `${what} to @${tx.recipient}`;
}

// What the provider's order was for, in the resolve panel's words.
export function bought(tx) {
  return tx.months ? "the Premium gift was bought" : "the stars were bought";
}
