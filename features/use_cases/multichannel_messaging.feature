@use_cases @multichannel
Feature: Multichannel messaging: one sale, six steps, every channel, consent on each
  The seed's six-step flow (fixtures/journeys/multichannel-sale.yaml and customer-care.yaml). On Wednesday 09:00 a
  push says "the sale starts now" and brings people into the app; there an in-app message gives 15% off today, a
  content card keeps the offer until Friday (it expires at the end of Friday), and the home screen adapts to what the
  person does (a code-based experience). Whoever has not opened the push four hours later gets an SMS reminder with
  the code; questions on WhatsApp get an answer and, on request, an advisor.
  It proves that each channel respects its consent: no push without push consent, no SMS without SMS consent, and no
  in-app offer or card for someone who refused marketing push (a consent policy), each exclusion recorded with its
  reason and code and counted in the journey's report.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the WhatsApp business number "+15550100100"
    And in-app offers need marketing push consent
    And content card offers need marketing push consent
    And the audience "shoppers" of people where "true"
    And the journey "multichannel-sale" is published
    And the journey "customer-care" is published
    And Alice has an iPhone with the "Shop" app
    And Alice lives in the "Europe/Paris" time zone
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS
    And Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And Bob has refused marketing SMS
    And Carol has an iPhone with the "Shop" app
    And Carol has refused marketing push
    And Carol has agreed to marketing SMS

  Scenario: Alice comes in from the push, gets 15% off in the app, and the home screen follows what she does
    When it is Wednesday 09:00
    Then Alice sees the notification "The sale starts now" saying "15% off today, only in the app"
    And Alice is in the journey "multichannel-sale" at step "came_in"
    When Alice taps the notification "The sale starts now"
    Then the "Shop" app is open on Alice's phone at "shop://sale"
    Then Alice sees the in-app message "15% off today"
    And the in-app message on Alice's phone has the buttons "Shop now" and "Later"
    When Alice taps "Shop now" in the in-app message
    Then Alice sees no in-app message
    And the "Shop" app is open on Alice's phone at "shop://sale"
    And Alice's "Shop" app shows the content card "15% off until Friday"
    And the "home#hero" experience of Alice's "Shop" app shows "The sale is on: 15% off in the app"
    When Alice's "Shop" app tracks the state "sale"
    Then the "home#hero" experience of Alice's "Shop" app shows "Picked for you in the sale, Alice"
    When Alice's "Shop" app tracks the action "add_to_cart"
    Then the "home#hero" experience of Alice's "Shop" app shows "Your basket gets 15% off at checkout"
    When 4 hours pass
    Then Alice receives no SMS
    And Alice's path in the journey "multichannel-sale" is "offer, card, hero, announce, came_in, keep"
    And the funnel of the step "announce" of the journey "multichannel-sale" is:
      | targeted | excluded | sent | delivered | opened |
      | 3        | 1        | 2    | 2         | 1      |
    And the funnel of the step "offer" of the journey "multichannel-sale" is:
      | displayed | clicked |
      | 1         | 1       |

  Scenario: Those who did not come in get an SMS four hours later, and each channel keeps to its consent
    When it is Wednesday 09:00
    Then Bob sees the notification "The sale starts now"
    And Carol sees no notification
    And Carol was excluded at the step "announce" of the journey "multichannel-sale" with PushNoConsent 050111
    And Carol was excluded at the step "offer" of the journey "multichannel-sale" with PushNoConsent 050111
    And Carol was excluded at the step "card" of the journey "multichannel-sale" with PushNoConsent 050111
    When 3 hours pass
    Then Carol receives no SMS
    When 1 hour passes
    Then Carol receives an SMS "Carol, the sale is on: 15% off in the app with code SALE15" from "+15550100001"
    And Alice receives an SMS "Alice, the sale is on: 15% off in the app with code SALE15"
    And Bob receives no SMS
    And Bob was excluded at the step "remind" of the journey "multichannel-sale" with SMSNoConsent 050104
    And Bob's path in the journey "multichannel-sale" is "offer, card, hero, announce, came_in, remind, keep"
    When Carol opens the "Shop" app
    Then Carol sees no in-app message
    And Carol's "Shop" app shows no content cards
    And the "home#hero" experience of Carol's "Shop" app shows "The sale is on: 15% off in the app"
    And the funnel of the step "remind" of the journey "multichannel-sale" is:
      | targeted | excluded | sent | delivered |
      | 3        | 1        | 2    | 2         |
    And the reasons in the report of the step "remind" of the journey "multichannel-sale" are:
      | outcome  | reason       | code   | count |
      | excluded | SMSNoConsent | 050104 | 1     |
    And the reasons in the report of the step "card" of the journey "multichannel-sale" are:
      | outcome  | reason        | code   | count |
      | excluded | PushNoConsent | 050111 | 1     |
    And the report of the journey "multichannel-sale" reconciles
    And the report of the journey "multichannel-sale" shows:
      | entered | active | ended | exited |
      | 3       | 3      | 0     | 0      |

  Scenario: The card keeps the offer until the end of Friday, then it is gone
    When it is Wednesday 09:00
    Then Alice's "Shop" app shows the content card "15% off until Friday"
    When it is Friday 23:59 in Alice's time zone
    Then Alice's "Shop" app shows the content card "15% off until Friday"
    When 1 minute passes
    Then Alice's "Shop" app shows no content cards
    And Alice is in the journey "multichannel-sale" at step "keep"
    When it is Monday 09:00
    Then Alice finished the journey "multichannel-sale"
    And the report of the journey "multichannel-sale" shows:
      | entered | active | ended |
      | 3       | 0      | 3     |

  Scenario: A WhatsApp conversation answers a question about the sale and hands over to an advisor on request
    When Alice writes "Does my code work on shoes?" on WhatsApp
    Then Alice receives a WhatsApp message "The code SALE15 takes 15% off everything in the app until Friday"
    And Alice took the branch "sale" in the journey "customer-care"
    When Alice taps "Talk to a person" in the WhatsApp chat
    Then Alice receives a WhatsApp message "Sure, Alice: an advisor will answer you here within 10 minutes."
    And Alice's path in the journey "customer-care" is "topic, sale_answer, follow_up, handover, done"
    When Bob writes "Where is my parcel?" on WhatsApp
    Then Bob receives a WhatsApp message "Thanks Bob, we have your message"
    When Bob taps "No, thanks" in the WhatsApp chat
    And 1 hour passes
    Then Bob finished the journey "customer-care"
    And Bob's path in the journey "customer-care" is "topic, general_answer, follow_up, done"
    And the report of the journey "customer-care" shows:
      | entered | ended |
      | 2       | 2     |
