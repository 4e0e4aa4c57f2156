@whatsapp
Feature: WhatsApp through the Cloud API-compatible gateway
  Free-form messages go only within 24 hours of the person's last message; outside that window only approved
  templates go, and anything else fails with 131047. A button reply is an event a journey can wait for.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the WhatsApp business number "+15550100100" with the templates:
      | name        | category  | status   | body                                  | buttons               |
      | spring_sale | MARKETING | APPROVED | Hello {{1}}! Spring sale: 20% off today | Yes please, No thanks |
      | new_brand   | MARKETING | PENDING  | Meet our new brand, {{1}}              |                       |
    And Alice has an Android phone with the "Shop" app
    And Alice has agreed to marketing WhatsApp

  Scenario: An approved template reaches the person outside the 24-hour window
    Given a marketing WhatsApp campaign "Spring":
      | template   | spring_sale               |
      | parameters | {{ profile.firstName }}   |
    When the campaign "Spring" is sent to Alice
    Then Alice receives a WhatsApp message "Hello Alice! Spring sale: 20% off today"

  Scenario: Free text outside the window fails with 131047; inside it, it goes
    Given a marketing WhatsApp campaign "Chat":
      | text | Anything else I can help with? |
    When the campaign "Chat" is sent to Alice
    Then the WhatsApp message of "Chat" to Alice failed with 131047
    And Alice receives no WhatsApp message
    When Alice writes "Where is my order?" on WhatsApp
    And the campaign "Chat" is sent to Alice
    Then Alice receives a WhatsApp message "Anything else I can help with?"
    When 25 hours pass
    And the campaign "Chat" is sent to Alice
    Then the report of "Chat" shows:
      | sent | delivered | errors |
      | 3    | 1         | 2      |

  Scenario: A template that is not approved fails as the real API does
    Given a marketing WhatsApp campaign "Brand":
      | template   | new_brand |
      | parameters | Alice     |
    When the campaign "Brand" is sent to Alice
    Then the WhatsApp message of "Brand" to Alice failed with 132001

  Scenario: A button reply moves a journey on
    Given the journey:
      """
      id: spring-follow-up
      name: Spring follow-up
      entry: {type: event, event: spring.start}
      steps:
        ask:
          type: action
          channel: whatsapp
          message: {template: {name: spring_sale, parameters: ["{{ profile.firstName }}"]}}
          next: answer
        answer:
          type: wait_for_event
          event: message.inbound
          when: "event.channel == 'whatsapp' and event.button and event.button.title == 'Yes please'"
          timeout: 2d
          next: thanks
          timeout_next: done
        thanks:
          type: action
          channel: push
          category: transactional
          app: com.acme.shop
          message: {title: "Your spring code", body: "SPRING20"}
          next: done
        done: {type: end}
      """
    When the event "spring.start" happens for Alice
    Then Alice receives a WhatsApp message "Hello Alice!"
    When Alice taps "Yes please" in the WhatsApp chat
    Then Alice sees the notification "Your spring code"
    And Alice's path in the journey "spring-follow-up" is "ask, answer, thanks, done"

  Scenario: Marketing WhatsApp without consent is excluded
    Given Bob has an Android phone with the "Shop" app
    And Bob has refused marketing WhatsApp
    And a marketing WhatsApp campaign "Spring":
      | template   | spring_sale |
      | parameters | Bob         |
    When the campaign "Spring" is sent to Bob
    Then Bob was excluded from "Spring" with WhatsAppNoConsent 050106
