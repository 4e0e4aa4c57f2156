@rules @consent
Feature: Consent is enforced at send time, for every channel, in one place
  Marketing messages need the person's consent for their channel (consents.marketing.<channel>.val = y);
  transactional messages do not — except that an SMS STOP blocks every later SMS from that sender. Consent changes
  take effect for the very next send.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the email sender "news@acme.test"
    And the WhatsApp business number "+15550100100" with the templates:
      | name   | category  | status   | body               |
      | promo  | MARKETING | APPROVED | Our promo, {{1}}   |
    And Alice has an Android phone with the "Shop" app
    And a marketing push campaign "Push promo" for the "Shop" app:
      | title | Promo |
      | body  | 20%   |
    And a marketing SMS campaign "SMS promo":
      | body | 20% off today |
    And a marketing email campaign "Email promo":
      | subject | 20% off today |
      | text    | Come and see  |
    And a marketing WhatsApp campaign "WhatsApp promo":
      | template   | promo |
      | parameters | Alice |

  Scenario: Without consent, each channel excludes with its own code
    Given Alice has refused marketing push
    And Alice has refused marketing SMS
    And Alice has refused marketing email
    And Alice has refused marketing WhatsApp
    When the campaign "Push promo" is sent to Alice
    And the campaign "SMS promo" is sent to Alice
    And the campaign "Email promo" is sent to Alice
    And the campaign "WhatsApp promo" is sent to Alice
    Then Alice was excluded from "Push promo" with PushNoConsent 050111
    And Alice was excluded from "SMS promo" with SMSNoConsent 050104
    And Alice was excluded from "Email promo" with EmailNoConsent 050101
    And Alice was excluded from "WhatsApp promo" with WhatsAppNoConsent 050106
    And Alice sees no notification
    And Alice receives no SMS
    And Alice receives no email
    And Alice receives no WhatsApp message

  Scenario: No answer is no consent
    Given Alice has not answered about marketing push
    When the campaign "Push promo" is sent to Alice
    Then Alice was excluded from "Push promo" with PushNoConsent 050111

  Scenario: Transactional messages pass marketing consent, on every channel
    Given Alice has refused marketing push
    And Alice has refused marketing SMS
    And Alice has refused marketing email
    And a transactional push campaign "Order push" for the "Shop" app:
      | title | Order shipped |
      | body  | Tomorrow      |
    And a transactional SMS campaign "Order SMS":
      | body | Your order shipped |
    And a transactional email campaign "Order email":
      | subject | Your order shipped |
      | text    | Tomorrow           |
    When the campaign "Order push" is sent to Alice
    And the campaign "Order SMS" is sent to Alice
    And the campaign "Order email" is sent to Alice
    Then Alice sees the notification "Order shipped"
    And Alice receives an SMS "Your order shipped"
    And Alice receives an email "Your order shipped"

  Scenario: STOP beats a transactional SMS
    Given Alice has agreed to marketing SMS
    And a transactional SMS campaign "Order SMS":
      | body | Your order shipped |
    When Alice replies "STOP" to "+15550100001"
    And the campaign "Order SMS" is sent to Alice
    Then Alice was excluded from "Order SMS" with SMSNoConsent 050104

  Scenario: A consent change takes effect for the very next send
    Given Alice has refused marketing push
    When the campaign "Push promo" is sent to Alice
    Then Alice sees no notification
    Given Alice has agreed to marketing push
    When the campaign "Push promo" is sent to Alice
    Then Alice sees the notification "Promo"

  Scenario: A consent policy keeps in-app marketing offers for people who agreed to push
    Given in-app offers need marketing push consent
    And Alice has refused marketing push
    And Bob has an iPhone with the "Shop" app
    And Bob has agreed to marketing push
    And an in-app message campaign "Welcome" for the "Shop" app shown on app launch:
      | title | 15% off today |
      | body  | In the app    |
    When the campaign "Welcome" is sent to Alice and Bob
    And Alice opens the "Shop" app
    And Bob opens the "Shop" app
    Then Alice sees no in-app message
    And Bob sees the modal in-app message "15% off today"
    And Alice was excluded from "Welcome" with PushNoConsent 050111
