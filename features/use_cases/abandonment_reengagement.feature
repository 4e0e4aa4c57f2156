@use_cases @abandonment
Feature: Abandonment re-engagement: push reminders, an SMS incentive to resume, and a prompt on return
  The abandoned-basket journey (fixtures/journeys/abandoned-basket.yaml) starts when a basket of 20 € or more is
  abandoned: a push reminder at once, a second one four hours later for those who did not open the first, and the next
  day an SMS with a 10% incentive link for those who opened neither. Whenever the person comes back to the app, an
  in-app prompt recommends what goes with their basket and takes them back to checkout; a purchase ends it all.
  It proves that reminders stop as soon as the person reacts, that each reminder is personalised from the basket,
  that the SMS keeps to SMS consent, that a purchase exits the journey and withdraws the prompt, and that the
  journey's figures account for everyone.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the journey "abandoned-basket" is published

  Scenario: Alice opens the first reminder, comes back through the prompt, and her purchase ends the journey
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS
    When Alice closes the "Shop" app
    And the event "commerce.cartAbandoned" happens for Alice with:
      | value          | 64            |
      | itemCount      | 2             |
      | product        | trail runners |
      | recommendation | merino socks  |
    Then Alice sees the notification "You left something behind" saying "2 items, 64 €: your basket is saved"
    When Alice taps the notification "You left something behind"
    Then the "Shop" app is open on Alice's phone at "shop://cart"
    And Alice is in the journey "abandoned-basket" at step "come_back"
    When Alice closes the "Shop" app
    And 3 hours pass
    And Alice opens the "Shop" app
    Then Alice sees the in-app message "Customers who bought trail runners also liked merino socks"
    When Alice taps "Resume checkout" in the in-app message
    Then the "Shop" app is open on Alice's phone at "shop://cart"
    When the event "commerce.purchase" happens for Alice
    Then Alice left the journey "abandoned-basket" because "exit criterion"
    And Alice's path in the journey "abandoned-basket" is "welcome_back, first_reminder, first_open, come_back"
    When 2 days pass
    Then Alice sees no notification
    And Alice receives no SMS
    And the funnel of the step "welcome_back" of the journey "abandoned-basket" is:
      | delivered | clicked | dismissed |
      | 1         | 1       | 1         |

  Scenario: Bob ignores both reminders, gets the SMS incentive the next day, and resumes from the prompt
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And Bob has agreed to marketing SMS
    When Bob closes the "Shop" app
    And the event "commerce.cartAbandoned" happens for Bob with:
      | value          | 120        |
      | itemCount      | 1          |
      | product        | rain jacket |
      | recommendation | a dry bag  |
    And 4 hours pass
    Then Bob sees the notification "Still thinking about it?" saying "Your rain jacket is still in your basket"
    And Bob sees 2 notifications
    And Bob receives no SMS
    When 20 hours pass
    Then Bob receives an SMS "Bob, finish your order with 10% off: code COMEBACK10 at https://shop.acme.test/cart?code=COMEBACK10" from "+15550100001"
    When Bob opens the "Shop" app
    Then Bob sees the in-app message "Your basket is waiting"
    When Bob taps "Resume checkout" in the in-app message
    Then the "Shop" app is open on Bob's phone at "shop://cart"
    When the event "commerce.purchase" happens for Bob
    Then Bob left the journey "abandoned-basket" because "exit criterion"
    And Bob's path in the journey "abandoned-basket" is "welcome_back, first_reminder, first_open, second_reminder, second_open, incentive, come_back"
    And the funnel of the step "incentive" of the journey "abandoned-basket" is:
      | targeted | sent | delivered |
      | 1        | 1    | 1         |

  Scenario: No SMS without consent, no journey for a small basket, and a purchase withdraws the prompt
    Given Carol has an iPhone with the "Shop" app
    And Carol has agreed to marketing push
    And Carol has refused marketing SMS
    And Dan has an iPhone with the "Shop" app
    And Dan has agreed to marketing push
    When the event "commerce.cartAbandoned" happens for Carol with:
      | value          | 45      |
      | itemCount      | 3       |
      | product        | a lamp  |
      | recommendation | bulbs   |
    And the event "commerce.cartAbandoned" happens for Dan with:
      | value          | 12      |
      | itemCount      | 1       |
      | product        | a mug   |
      | recommendation | coffee  |
    Then Dan never entered the journey "abandoned-basket"
    And Dan sees no notification
    When 1 day passes
    Then Carol receives no SMS
    And Carol was excluded at the step "incentive" of the journey "abandoned-basket" with SMSNoConsent 050104
    When the event "commerce.purchase" happens for Carol
    And Carol closes the "Shop" app
    And 10 minutes pass
    And Carol opens the "Shop" app
    Then Carol sees no in-app message
    And the report of the journey "abandoned-basket" shows:
      | entered | active | ended | exited |
      | 1       | 0      | 0     | 1      |
    And the funnel of the journey "abandoned-basket" is:
      | targeted | excluded | sent | delivered |
      | 4        | 1        | 3    | 3         |
    And the reasons in the report of the journey "abandoned-basket" are:
      | outcome  | reason       | code   | count |
      | excluded | SMSNoConsent | 050104 | 1     |
    And the report of the journey "abandoned-basket" reconciles
