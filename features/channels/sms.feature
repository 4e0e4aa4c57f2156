@sms
Feature: SMS, MMS and RCS through the Twilio-compatible gateway, and phones that reply
  Messages are counted in GSM-7 or UCS-2 segments as a carrier counts them; STOP blocks the number for every later
  SMS from that sender, transactional ones included, until START.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And Alice has an Android phone with the "Shop" app
    And Alice has agreed to marketing SMS

  Scenario: A personalised SMS reaches the phone and is counted
    Given a marketing SMS campaign "Flash sale":
      | body | Hi {{ profile.firstName }}, 20% off today only |
    When the campaign "Flash sale" is sent to Alice
    Then Alice receives an SMS "Hi Alice, 20% off today only" from "+15550100001"
    And the SMS to Alice was sent in 1 segment
    And the report of "Flash sale" shows:
      | targeted | sent | delivered |
      | 1        | 1    | 1         |

  Scenario: One emoji turns the whole message into UCS-2 segments
    Given a marketing SMS campaign "Party":
      | body | Our summer party starts at 8 pm on the rooftop terrace, bring your friends and your best mood, drinks are on us 🎉 |
    When the campaign "Party" is sent to Alice
    Then Alice receives an SMS "drinks are on us 🎉"
    And the SMS to Alice was sent in 2 segments

  Scenario: STOP blocks later campaigns, transactional ones included, until START
    Given a marketing SMS campaign "Flash sale":
      | body | 20% off today only |
    And a transactional SMS campaign "Your code":
      | body | Your code is 123456 |
    When Alice replies "STOP" to "+15550100001"
    Then Alice receives an SMS "You have successfully been unsubscribed"
    When the campaign "Flash sale" is sent to Alice
    And the campaign "Your code" is sent to Alice
    Then Alice was excluded from "Flash sale" with SMSNoConsent 050104
    And Alice was excluded from "Your code" with SMSNoConsent 050104
    When Alice replies "START" to "+15550100001"
    Then Alice receives an SMS "You have successfully been re-subscribed"
    When the campaign "Your code" is sent to Alice
    Then Alice receives an SMS "Your code is 123456"

  Scenario: HELP gets the help reply
    When Alice replies "help" to "+15550100001"
    Then Alice receives an SMS "Reply STOP to unsubscribe"

  Scenario: An MMS carries an image
    Given a marketing MMS campaign "Lookbook":
      | body  | The new collection |
      | image | lookbook.png       |
    When the campaign "Lookbook" is sent to Alice
    Then Alice receives an MMS "The new collection"

  Scenario: RCS reaches a capable phone as a rich card with suggestions
    Given the SMS sender number "+15550100002" with the RCS agent "acme_shop"
    And Alice's phone supports RCS
    And a marketing RCS campaign "Rooftop":
      | card title       | Rooftop party      |
      | card description | Saturday, 8 pm     |
      | suggestions      | I'm in, Not this time |
    When the campaign "Rooftop" is sent to Alice
    Then Alice receives an RCS card "Rooftop party"
    And the report of "Rooftop" shows 1 delivered as RCS

  Scenario: RCS falls back to SMS on a phone that cannot take it, and the report says so
    Given the SMS sender number "+15550100002" with the RCS agent "acme_shop"
    And Alice's phone does not support RCS
    And a marketing RCS campaign "Rooftop":
      | card title       | Rooftop party  |
      | card description | Saturday, 8 pm |
    When the campaign "Rooftop" is sent to Alice
    Then Alice receives an SMS "Rooftop party"
    And the report of "Rooftop" shows 1 delivered as SMS
