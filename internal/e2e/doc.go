// Package e2e holds the tests that meet the product the way a partner does:
// in a real browser (headless Chromium, driven with chromedp), from the
// link in the email the SES emulator received.
package e2e
